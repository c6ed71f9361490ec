package io.flashrig.server.security;

/**
 * Who is calling: the token's name (the rig's name for rigs), its role, the rig's id for rig tokens, and the id of an
 * issued admin or viewer token (null for the bootstrap admin token and rigs), by which its revocation is announced.
 */
public record Caller(String name, Role role, Long rigId, Long tokenId) {
}
