/**
 * Helpers of the file formats and of the packages above them: JSON, atomic file writes, channel I/O,
 * state-dict checks and the quoting of untrusted text in messages. Not API: the module dev.vecrnn.nn does
 * not export this package, and it may change in any release.
 */
package dev.vecrnn.nn.io.internal;
