package dev.vecrnn.flink;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The start-up warning on the scalar kernels pointed every reason to env.java.opts.taskmanager ("on a cluster
 * that option goes in"), also a JVM without FMA or with C2 off, where there is no option to add.
 */
class StepCoreNoticeTest {

    @Test
    void theClusterHintFollowsOnlyTheMissingModule() {
        assertEquals("; on a cluster that option goes in env.java.opts.taskmanager", StepCore.clusterHint(
                "the module jdk.incubator.vector is not loaded (start java with --add-modules jdk.incubator.vector)"));
        assertEquals("", StepCore.clusterHint("the JVM has no fused multiply-add (-XX:-UseFMA, -XX:UseAVX=0 or a CPU"
                + " without FMA), where the Vector API's fma runs a slow path"));
        assertEquals("", StepCore.clusterHint("the JIT compilers are off (-Xint, -XX:-UseCompiler or -Djava.compiler=NONE),"
                + " so the Vector API would run as slow Java code"));
        assertEquals("", StepCore.clusterHint("the preferred vector holds only 2 floats (at least 4 are needed to gain)"));
    }
}
