package dev.vecrnn.kernels;

import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shape of the public API: {@link Kernels} is a final facade that nobody can construct or subclass,
 * and the implementations sit behind a sealed, package-private interface with exactly two members.
 */
class ApiTest {

    @Test
    void kernelsIsAFinalFacade() {
        assertTrue(Modifier.isFinal(Kernels.class.getModifiers()), "Kernels must be final");
        assertEquals(0, Kernels.class.getConstructors().length, "Kernels must have no public constructor");
        for (var c : Kernels.class.getDeclaredConstructors()) {
            assertFalse(Modifier.isProtected(c.getModifiers()) || Modifier.isPublic(c.getModifiers()), c.toString());
        }
        for (var m : Kernels.class.getDeclaredMethods()) {
            assertFalse(Modifier.isProtected(m.getModifiers()), () -> "protected: " + m);
            if (Modifier.isPublic(m.getModifiers())) assertFalse(m.getName().endsWith("Impl"), () -> "public: " + m);
        }
    }

    @Test
    void implementationsAreSealedAndHidden() {
        assertTrue(KernelSupport.class.isSealed());
        assertFalse(Modifier.isPublic(KernelSupport.class.getModifiers()));
        Set<String> permitted = Arrays.stream(KernelSupport.class.getPermittedSubclasses()).map(Class::getSimpleName)
                .collect(Collectors.toSet());
        assertEquals(Set.of("ScalarSupport", "PanamaSupport"), permitted);
        for (Class<?> c : KernelSupport.class.getPermittedSubclasses()) {
            assertFalse(Modifier.isPublic(c.getModifiers()), c + " must be package-private");
            assertTrue(Modifier.isFinal(c.getModifiers()), c + " must be final");
        }
    }
}
