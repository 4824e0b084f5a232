package dev.vecrnn.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** In the usual test JVM (with jdk.incubator.vector) the Vector API kernels are available and chosen. */
class SelectionTest {

    @Test
    void vectorKernelsAreAvailableAndChosen() {
        // -Dtest=... also runs this class in the scalar-fallback execution, where FallbackTest checks the opposite.
        assumeFalse(Boolean.getBoolean("vecrnn.expect.fallback"), "the JVM without jdk.incubator.vector");
        assertNotNull(Kernels.panama(), () -> "no Vector API kernels: " + Kernels.whyNoPanama());
        assertNull(Kernels.whyNoPanama());
        assertTrue(Kernels.panama().name().matches("panama-(128|256|512)"), Kernels.panama().name());
        // the width and register file each Surefire execution asks for (-XX:UseAVX=2, -XX:MaxVectorSize=16)
        String arch = System.getProperty("os.arch", "");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        String bits = x86 ? System.getProperty("vecrnn.expect.bits") : null;
        if (bits != null && !bits.isEmpty()) assertEquals("panama-" + bits, Kernels.panama().name(), Kernels.panama().shape());
        String regs = x86 ? System.getProperty("vecrnn.expect.registers") : null;
        if (regs != null && !regs.isEmpty()) {
            assertTrue(Kernels.panama().shape().contains(" " + regs + " registers"), Kernels.panama().shape());
        }
        if ("scalar".equals(System.getProperty(Kernels.PROPERTY))) {
            assertSame(Kernels.scalar(), Kernels.get());
        } else {
            assertSame(Kernels.panama(), Kernels.get());
        }
    }

    @Test
    void scalarKernelsAreAlwaysThere() {
        assertEquals("scalar", Kernels.scalar().name());
        assertSame(Kernels.scalar(), Kernels.scalar());
        assertEquals(Kernels.panama() == null ? 1 : 2, Impls.all().size());
    }
}
