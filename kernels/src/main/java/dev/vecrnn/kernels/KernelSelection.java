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
        String noC2 = withoutC2(vmOption("UseCompiler"), vmOption("CompilationMode"), vmOption("TieredCompilation"),
                vmOption("TieredStopAtLevel"), inputArguments());
        if (noC2 != null) return noC2;
        if ("false".equals(vmOption("UseFMA"))) {
            // An x86 CPU without FMA3 (before Haswell and Piledriver), or -XX:UseAVX=0: the Vector API's fma
            // then runs a slow path (issue 12 measured tanh at 0.17 elements/ns against 1.13 with FMA, AVX2 machine).
            return "the JVM has no fused multiply-add (-XX:-UseFMA, -XX:UseAVX=0 or a CPU without FMA), "
                    + "where the Vector API's fma runs a slow path";
        }
        return null;
    }

    /**
     * Why C2 will not compile the Vector API here, or null. The flags' values are what the JVM runs with,
     * however they were set (the command line, {@code JAVA_TOOL_OPTIONS}, a flags file, {@code -Djava.compiler=NONE},
     * which JDK 17 still takes for {@code -Xint}); where they cannot be read (null), the command line is
     * searched instead. {@code -XX:TieredStopAtLevel} stops tiered compilation only: without it C2 compiles.
     */
    static String withoutC2(String useCompiler, String compilationMode, String tiered, String stopAtLevel, List<String> args) {
        String suffix = ", so the Vector API would run as slow Java code";
        if ("false".equals(useCompiler)) {
            return "the JIT compilers are off (-Xint, -XX:-UseCompiler or -Djava.compiler=NONE)" + suffix;
        }
        if ("quick-only".equals(compilationMode)) return "the C2 compiler is off (-XX:CompilationMode=quick-only)" + suffix;
        if (!"false".equals(tiered) && stopAtLevel != null && stopAtLevel.matches("[0-3]")) {
            return "the C2 compiler is off (-XX:TieredStopAtLevel=" + stopAtLevel + ")" + suffix;
        }
        if (useCompiler != null && stopAtLevel != null) return null;
        for (String a : args) {
            if (a.equals("-Xint") || a.matches("-XX:TieredStopAtLevel=[0-3]") || a.equals("-XX:CompilationMode=quick-only")) {
                return "the C2 compiler is off (" + a + ")" + suffix;
            }
        }
        return null;
    }

    private static List<String> inputArguments() {
        try {
            return ManagementFactory.getRuntimeMXBean().getInputArguments();
        } catch (LinkageError | SecurityException e) {
            return List.of(); // java.management missing: the flags cannot be read; assume C2
        }
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
