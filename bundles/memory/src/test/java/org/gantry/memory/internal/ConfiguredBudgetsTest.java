package org.gantry.memory.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The configuration's budgets in bytes. */
class ConfiguredBudgetsTest {

    @Test
    void budgetsComeFromConfigurationElseFromAShareOfWhatTheHeapLeaves() {
        long gib = 1L << 30;
        assertEquals(2 * gib, ConfiguredBudgets.hostBudgetBytes("2GiB", 0.8, 32 * gib, 4 * gib));
        assertEquals((long) (28 * gib * 0.5), ConfiguredBudgets.hostBudgetBytes("", 0.5, 32 * gib, 4 * gib));
        assertEquals((long) (28 * gib * 0.5), ConfiguredBudgets.hostBudgetBytes(null, 0.5, 32 * gib, 4 * gib));
        assertEquals(0.5, ConfiguredBudgets.gpuUtilization(0.5));
        assertThrows(IllegalArgumentException.class, () -> ConfiguredBudgets.gpuUtilization(1.5));
        assertThrows(IllegalArgumentException.class, () -> ConfiguredBudgets.hostBudgetBytes("lots", 0.8, 1, 0));
    }
}
