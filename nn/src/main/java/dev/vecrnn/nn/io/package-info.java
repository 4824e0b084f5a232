/**
 * File formats and untrusted input: safetensors, {@code .npy}, JSON, atomic writes, {@code Untrusted} (text
 * quoted from files), {@code StateDicts} (the checks a state dict passes before anything is copied). Depends on
 * the core only.
 */
package dev.vecrnn.nn.io;

import dev.vecrnn.nn.io.internal.StateDicts;
import dev.vecrnn.nn.io.internal.Untrusted;
