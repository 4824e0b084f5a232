package dev.vecrnn.kernels;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

/**
 * Chooses the kernels once, when first asked. The Vector API class is loaded by name only after the
 * checks pass, so the scalar path runs where {@code jdk.incubator.vector} is absent. When the scalar
 * kernels are chosen because the Vector API ones cannot run, one WARNING record on the
 * {@code System.Logger} named {@value #LOGGER} says why; nothing is printed.
 */
final class KernelSelection {
    /** The name of the {@link System.Logger} the fallback is reported on. */
    static final String LOGGER = "dev.vecrnn.kernels";

    static final Kernels SCALAR = new Kernels(ScalarSupport.INSTANCE);
    static final Kernels PANAMA;
    static final String WHY_NOT;
    static final Kernels CHOSEN;

    static {
        String why = reasonAgainstPanama();
        KernelSupport panama = null;
        if (why == null) {
            try {
                panama = (KernelSupport) Class.forName("dev.vecrnn.kernels.PanamaSupport").getDeclaredConstructor().newInstance();
                why = panama.unusableReason();
                if (why != null) panama = null;
            } catch (ReflectiveOperationException | LinkageError e) {
                why = "the Vector API kernels failed to load: " + e;
            }
        }
        PANAMA = panama == null ? null : new Kernels(panama);
        WHY_NOT = why;
        String forced = System.getProperty(Kernels.PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        if (forced.equals("scalar")) {
            CHOSEN = SCALAR;
        } else if (PANAMA != null) {
            CHOSEN = PANAMA;
        } else {
            System.getLogger(LOGGER).log(System.Logger.Level.WARNING, "using the scalar kernels: " + why);
            CHOSEN = SCALAR;
        }
    }

    private KernelSelection() {
    }

    private static String reasonAgainstPanama() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "the module jdk.incubator.vector is not loaded (start java with --add-modules jdk.incubator.vector)";
        }
        String vm = System.getProperty("java.vm.name", "");
        if (!vm.contains("HotSpot") && !vm.contains("OpenJDK")) {
            return "the JVM '" + vm + "' is not HotSpot";
        }
        try {
            List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
            for (String a : args) {
                if (a.equals("-Xint") || a.matches("-XX:TieredStopAtLevel=[0-3]")) {
                    return "the C2 compiler is off (" + a + "), so vector code would run interpreted";
                }
            }
        } catch (LinkageError | SecurityException e) {
            // java.management missing: the flags cannot be read; assume C2.
        }
        if ("false".equals(vmOption("UseFMA"))) {
            // An x86 CPU without FMA3 (before Haswell and Piledriver), or -XX:UseAVX=0: the Vector API's fma
            // then runs a slow path (issue 12 measured tanh at 0.17 elements/ns against 1.13 with FMA, AVX2 machine).
            return "the JVM has no fused multiply-add (-XX:-UseFMA, -XX:UseAVX=0 or a CPU without FMA), "
                    + "where the Vector API's fma runs a slow path";
        }
        return null;
    }

    /** A HotSpot flag's value, or null where it cannot be read (no jdk.management, another VM). */
    static String vmOption(String name) {
        try {
            return ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                    .getVMOption(name).getValue();
        } catch (LinkageError | RuntimeException e) {
            return null;
        }
    }
}
