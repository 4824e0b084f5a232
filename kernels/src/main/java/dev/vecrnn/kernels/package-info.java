/**
 * The numeric kernels of vecrnn on {@code float[]} with offsets, in two implementations that are tested
 * against each other: plain Java loops and the JDK Vector API ({@code jdk.incubator.vector}).
 *
 * <p>The public types are few on purpose. {@link dev.vecrnn.kernels.Kernels} is a final facade: its
 * methods check their arguments and delegate to the implementation chosen at start-up, behind a sealed,
 * package-private interface, so callers depend on the methods only and the implementations can be
 * reorganised freely. {@link dev.vecrnn.kernels.PackedGates} and {@link dev.vecrnn.kernels.TransposedGates}
 * are the weight layouts the gate products read.
 *
 * <p>Inside the package, in the manner of Lucene's {@code internal/vectorization}: {@code KernelSelection}
 * checks the JVM once (Java version, HotSpot, module present, C2 on, FMA) and only then loads the Vector API
 * implementation by name, so the scalar path runs where the module is absent; when it falls back it logs
 * one WARNING on the {@code System.Logger} named {@code dev.vecrnn.kernels}. {@code ScalarSupport} and
 * {@code ScalarPointwise} are the scalar twin; {@code PanamaSupport} routes to {@code PanamaMath} (vectors,
 * exp/tanh/sigmoid), {@code PanamaForward} (forward products), {@code PanamaBackward} (backward products)
 * and {@code PanamaPointwise} (activations, cell steps, optimizers). Only the {@code Panama*} classes
 * touch {@code jdk.incubator.vector}.
 */
package dev.vecrnn.kernels;
