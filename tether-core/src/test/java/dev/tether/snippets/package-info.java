/**
 * The examples of Tether's Javadoc, compiled with the tests so that they cannot drift from the API: each public
 * type's {@code {@snippet class=... region=...}} names a region of one of these classes.
 */
package dev.tether.snippets;
