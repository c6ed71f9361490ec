package io.flashrig.server.db;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.AgroalConnectionFactoryConfiguration;
import io.flashrig.server.FlashRigConfig;
import io.quarkus.flyway.FlywayConfigurationCustomizer;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Flyway's own connections to the application's database, without the bounds every call of the application has
 * (statement 60 s, socket 90 s): a migration that rewrites or indexes a table of a whole factory's boards takes as long
 * as it takes, and cancelling it would leave every replica of a rolling update failing its start-up over and over. It
 * waits for a lock only briefly, though, since while it waits every rig's statement on that table queues behind it; it
 * then fails and the server is started again later. The same database, user and other settings as the pool's, whether
 * the operator named the database or the server started its embedded one, because both end up in the same settings.
 */
@ApplicationScoped
public class MigrationConnections implements FlywayConfigurationCustomizer {

    private final AgroalDataSource pool;
    private final FlashRigConfig config;
    private final Optional<String> username;
    private final Optional<String> password;

    MigrationConnections(AgroalDataSource pool, FlashRigConfig config,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.pool = pool;
        this.config = config;
        this.username = username;
        this.password = password;
    }

    @Override
    public void customize(FluentConfiguration configuration) {
        configuration.dataSource(dataSource());
    }

    private DataSource dataSource() {
        AgroalConnectionFactoryConfiguration factory = pool.getConfiguration().connectionPoolConfiguration()
                .connectionFactoryConfiguration();
        PGSimpleDataSource migrations = new PGSimpleDataSource();
        for (String name : factory.jdbcProperties().stringPropertyNames()) {
            try {
                migrations.setProperty(name, factory.jdbcProperties().getProperty(name));
            } catch (SQLException unknown) {
                // A name the driver does not know; it ignores it for the pool's connections too.
            }
        }
        // After the pool's properties, so that a parameter in the URL wins over them, as it does for the pool.
        migrations.setUrl(factory.jdbcUrl());
        username.ifPresent(migrations::setUser);
        password.ifPresent(migrations::setPassword);
        migrations.setSocketTimeout(0);
        migrations.setOptions("-c statement_timeout=0 -c lock_timeout=" + config.migrationLockTimeout().toMillis() + "ms");
        return migrations;
    }
}
