package io.flashrig.server.security;

/** Who is calling: the token's name (the rig's name for rigs), its role, and the rig's id for rig tokens. */
public record Caller(String name, Role role, Long rigId) {
}
