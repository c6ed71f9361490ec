package io.flashrig.server.security;

/** What a bearer token may do. */
public enum Role {
    /** Reads and writes the admin REST API. */
    ADMIN,
    /** Reads the admin REST API. */
    VIEWER,
    /** A rig agent: the gRPC RigService only. */
    RIG
}
