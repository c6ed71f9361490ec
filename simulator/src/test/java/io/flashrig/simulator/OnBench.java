package io.flashrig.simulator;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A test class whose every test gets a fresh {@link Bench} in its own folder. */
abstract class OnBench {

    Bench bench;

    @BeforeEach
    void bench(@TempDir Path directory) throws IOException {
        bench = new Bench(directory);
    }
}
