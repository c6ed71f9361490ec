package io.flashrig.server.db;

import io.quarkus.runtime.configuration.QuarkusConfigBuilderCustomizer;
import io.smallrye.config.DotEnvConfigSourceProvider;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSourceLoader;
import io.smallrye.config.PropertiesLocationConfigSourceFactory;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.SysPropConfigSource;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigValue;

/**
 * Which database the server runs on, decided before Quarkus starts from the same settings Quarkus will read. A
 * factory server whose datasource setting went missing must not come up on a new, empty MAC pool, so the embedded
 * database is used only when asked for, and never when a datasource URL is configured as well.
 */
public sealed interface DatabaseChoice {

    /** The property that asks for the embedded database (env FLASHRIG_EMBEDDED_DATABASE). */
    String EMBEDDED_SWITCH = "flashrig.embedded-database";
    /** The property naming the operator's PostgreSQL (env QUARKUS_DATASOURCE_JDBC_URL). */
    String URL = "quarkus.datasource.jdbc.url";
    /** The embedded database's folder (env FLASHRIG_DATA_DIR). */
    String DATA_DIR = "flashrig.data-dir";

    /** The operator's own PostgreSQL; Quarkus connects to it as configured. */
    record External(String url) implements DatabaseChoice {
    }

    /** The embedded PostgreSQL with its files in {@code dataDir}. */
    record Embedded(Path dataDir) implements DatabaseChoice {
    }

    /** Neither or both were configured; {@code reason} is the one sentence the operator sees. */
    record Refused(String reason) implements DatabaseChoice {
    }

    /** The choice the settings of a server started in {@code workingDir} make. */
    static DatabaseChoice of(Path workingDir) {
        return decide(startupConfig(workingDir));
    }

    /** The choice {@code config} makes. */
    static DatabaseChoice decide(SmallRyeConfig config) {
        ConfigValue url = config.getConfigValue(URL);
        boolean hasUrl = url.getValue() != null && !url.getValue().isBlank();
        ConfigValue embedded = config.getConfigValue(EMBEDDED_SWITCH);
        boolean wantsEmbedded = config.getOptionalValue(EMBEDDED_SWITCH, Boolean.class).orElse(false);
        if (hasUrl && wantsEmbedded) {
            return new Refused("Both a datasource URL (" + withoutPassword(url.getValue()) + ", from "
                    + sourceName(url) + ") and the embedded database (FLASHRIG_EMBEDDED_DATABASE=true, from "
                    + sourceName(embedded) + ") are configured; remove one of them so that it is certain which "
                    + "database holds the MAC pool.");
        }
        if (hasUrl) {
            return new External(url.getValue());
        }
        if (wantsEmbedded) {
            return new Embedded(config.getOptionalValue(DATA_DIR, String.class).map(Path::of)
                    .orElse(EmbeddedDatabase.DEFAULT_DATA_DIR));
        }
        return new Refused("No database is configured: set QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://HOST:5432/DB "
                + "(with QUARKUS_DATASOURCE_USERNAME and QUARKUS_DATASOURCE_PASSWORD) to use your PostgreSQL, or "
                + "FLASHRIG_EMBEDDED_DATABASE=true to run the embedded one in FLASHRIG_DATA_DIR for a demo or a "
                + "one-rig workshop.");
    }

    /**
     * Quarkus's runtime configuration as the packaged server will see it, built before Quarkus starts: system
     * properties (400), environment (300), {@code .env} in the working folder (295), {@code config/application.properties}
     * in the working folder (260), the packaged {@code application.properties} (250), files named by
     * {@code QUARKUS_CONFIG_LOCATIONS}, and the active profile ({@code prod} unless {@code QUARKUS_PROFILE} says
     * otherwise).
     */
    static SmallRyeConfig startupConfig(Path workingDir) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder();
        builder.forClassLoader(loader);
        return builder
                .withCustomizers(new QuarkusConfigBuilderCustomizer())
                .addDefaultInterceptors()
                .withSources(new SysPropConfigSource(), new EnvConfigSource(System.getenv(), 300))
                .withSources(new DotEnvConfigSourceProvider(workingDir.resolve(".env").toUri().toString()))
                .withSources(PropertiesConfigSourceLoader.inFileSystem(
                        workingDir.resolve("config").resolve("application.properties").toUri().toString(), 260, loader))
                .withSources(PropertiesConfigSourceLoader.inClassPath("application.properties", 250, loader))
                .withSources(new PropertiesLocationConfigSourceFactory())
                .build()
                .unwrap(SmallRyeConfig.class);
    }

    /** Where a setting came from, as an operator would look for it. */
    private static String sourceName(ConfigValue value) {
        String name = value.getSourceName();
        int file = name.indexOf("[source=");
        if (file >= 0 && name.endsWith("]")) {
            return name.substring(file + "[source=".length(), name.length() - 1);
        }
        if (name.startsWith("EnvConfigSource")) {
            return "the environment";
        }
        return name.startsWith("SysPropConfigSource") ? "a system property" : name;
    }

    /** {@code url} with any {@code password=} parameter blanked, for logs and messages. */
    static String withoutPassword(String url) {
        return Optional.ofNullable(url).map(u -> u.replaceAll("(?i)(password=)[^&;]*", "$1***")).orElse("");
    }
}
