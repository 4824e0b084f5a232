/**
 * The kernels under vecrnn's layers: fused gate products, activations, cell steps and optimizer updates,
 * on the Vector API where it can run and on a scalar twin elsewhere ({@link dev.vecrnn.kernels.Kernels}).
 *
 * <p>As a module it requires {@code jdk.incubator.vector}, so a modular application gets the Vector API
 * kernels with no extra flag. On the class path the JVM needs {@code --add-modules jdk.incubator.vector};
 * without it the scalar kernels run and one WARNING on the {@code System.Logger} "dev.vecrnn.kernels"
 * names the flag. The management modules let it read the JVM's flags (C2 off, no FMA) before choosing.
 */
module dev.vecrnn.kernels {
    requires jdk.incubator.vector;
    requires java.management;
    requires jdk.management;

    exports dev.vecrnn.kernels;
}
