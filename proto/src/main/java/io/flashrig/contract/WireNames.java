package io.flashrig.contract;

import com.google.protobuf.ProtocolMessageEnum;
import io.flashrig.proto.rig.v1.ErrorReason;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The short names proto enums travel and print under, derived in one place from the generated enums, so that a renamed
 * value breaks the build instead of a string comparison in production.
 *
 * <p>AIP-126 prefixes every value with its type's name ({@code FLASH_JOB_STATE_FLASHING}); people and {@code ErrorInfo}
 * reasons use the value without it ({@code FLASHING}).
 */
public final class WireNames {

    private static final Map<String, ErrorReason> REASONS = Stream.of(ErrorReason.values())
            .filter(r -> r != ErrorReason.UNRECOGNIZED && r != ErrorReason.ERROR_REASON_UNSPECIFIED)
            .collect(Collectors.toUnmodifiableMap(WireNames::shortName, Function.identity()));

    private WireNames() {
    }

    /** The value's name without its type's prefix: {@code FAILURE_REASON_TIMEOUT} → {@code TIMEOUT}. */
    public static String shortName(ProtocolMessageEnum value) {
        String name = ((Enum<?>) value).name();
        String prefix = prefixOf(value.getDescriptorForType().getName());
        return name.startsWith(prefix) ? name.substring(prefix.length()) : name;
    }

    /** The short name in words for a person: {@code FLASH_JOB_STATE_WAITING_FOR_MAC} → {@code waiting for MAC}. */
    public static String words(ProtocolMessageEnum value) {
        return shortName(value).replace('_', ' ').toLowerCase(Locale.ROOT)
                .replaceAll("\\bmac\\b", "MAC").replaceAll("\\botp\\b", "OTP");
    }

    /** The {@code ErrorInfo} reason a failed call carries for {@code reason}. */
    public static String reason(ErrorReason reason) {
        return shortName(reason);
    }

    /** The reason an {@code ErrorInfo} names, or {@link ErrorReason#ERROR_REASON_UNSPECIFIED} for one this build does not know. */
    public static ErrorReason reason(String wire) {
        return wire == null ? ErrorReason.ERROR_REASON_UNSPECIFIED : REASONS.getOrDefault(wire, ErrorReason.ERROR_REASON_UNSPECIFIED);
    }

    /** {@code FlashJobState} → {@code FLASH_JOB_STATE_}, as buf's ENUM_VALUE_PREFIX rule spells it. */
    private static String prefixOf(String typeName) {
        return typeName.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT) + "_";
    }
}
