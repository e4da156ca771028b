package dev.releasepilot.cli;

/** How a read command prints: a table for people, the API's JSON for scripts. */
enum Output {
    table,
    json
}
