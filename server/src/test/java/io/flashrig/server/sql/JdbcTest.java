package io.flashrig.server.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class JdbcTest {

    @Test
    void aValuesListHasOneGroupOfPlaceholdersPerRow() {
        assertEquals("(?, ?, ?), (?, ?, ?)", Jdbc.rows(2, 3));
        assertEquals("(?)", Jdbc.rows(1, 1));
    }

    @Test
    void rowsAreCutSoThatNoStatementPassesTheProtocolsParameterLimitAndNoneIsLost() {
        List<Integer> rows = IntStream.range(0, 10_000).boxed().toList();
        List<List<Integer>> chunks = Jdbc.chunks(rows, 11);
        assertTrue(chunks.stream().allMatch(chunk -> chunk.size() * 11 <= 32_767), "every chunk fits one statement");
        assertEquals(rows, chunks.stream().flatMap(List::stream).toList(), "every row once, in order");
        assertEquals(List.of(List.of(1, 2)), Jdbc.chunks(List.of(1, 2), 11), "a request's few events stay one statement");
        assertEquals(List.of(), Jdbc.chunks(List.of(), 11));
    }
}
