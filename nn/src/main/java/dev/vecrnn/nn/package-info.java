/**
 * The core of nn: {@link dev.vecrnn.nn.Tensor}, {@link dev.vecrnn.nn.Param}, {@link dev.vecrnn.nn.Batch},
 * {@link dev.vecrnn.nn.NonFiniteInput}, and what the packages above share ({@code Require}, {@code Exclusive},
 * marked {@link dev.vecrnn.nn.Internal}). Depends on {@code dev.vecrnn.kernels} only.
 *
 * <p>The packages of nn depend one way, each on those below it:
 * <pre>
 *   train  -&gt;  format  -&gt;  model  -&gt;  layers  -&gt;  recurrent  -&gt;  io  -&gt;  core (this package)  -&gt;  kernels
 * </pre>
 * ({@code PackageLayersTest} checks it).
 */
package dev.vecrnn.nn;
