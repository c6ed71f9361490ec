package io.flashrig.server.pool;

import io.flashrig.server.FlashRigConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** One {@link MacAllocator} for the rigs' and the admins' side of the pool, with the configured quota. */
@Singleton
class PoolWiring {

    @Produces
    @Singleton
    MacAllocator allocator(FlashRigConfig config) {
        return new MacAllocator(new RigQuota(config.rigNewMacsPerHour()));
    }
}
