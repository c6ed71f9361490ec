package io.flashrig.server.error;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.stream.Collectors;

/** Jackson's complaints about a request body, said as a person would: which field, what it must be, where. */
final class JsonMessages {

    private JsonMessages() {
    }

    static String describe(JsonProcessingException e) {
        String where = e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        if (e instanceof JsonParseException parse) {
            return "The request body is not valid JSON" + where + ": " + firstLine(parse.getOriginalMessage()) + ".";
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            String known = unknown.getKnownPropertyIds() == null ? "" : unknown.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            return "The field '" + unknown.getPropertyName() + "' is not known here; accepted fields: " + known + ".";
        }
        if (e instanceof InvalidFormatException format) {
            return "The field '" + path(format) + "' has the value " + format.getValue()
                    + ", which is not a valid " + typeName(format.getTargetType()) + ".";
        }
        if (e instanceof MismatchedInputException mismatch) {
            String path = path(mismatch);
            return path.isEmpty()
                    ? "The request body must be a JSON object" + where + "."
                    : "The field '" + path + "' must be a " + typeName(mismatch.getTargetType()) + where + ".";
        }
        return "The request body could not be read" + where + ": " + firstLine(e.getOriginalMessage()) + ".";
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static String typeName(Class<?> type) {
        if (type == null) {
            return "value of the expected type";
        }
        if (type == String.class || type.isEnum()) {
            return "string";
        }
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)) {
            return "number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "boolean (true or false)";
        }
        return "JSON object";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable input";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
