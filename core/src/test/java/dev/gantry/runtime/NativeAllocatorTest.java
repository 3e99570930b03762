package dev.gantry.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class NativeAllocatorTest {
    /** mallopt answers 0 for a value it will not take (older glibc cap the mmap threshold): each must be taken. */
    @Test
    @EnabledOnOs(OS.LINUX)
    void glibcTakesEverySetting() {
        assertTrue(NativeAllocator.tune(), "mallopt refused a setting (or GANTRY_MALLOC=default is set)");
        assertTrue(NativeAllocator.tune(), "a second call is a no-op that reports the settings in force");
    }

    @Test
    void anotherProcessGetsTheSameSettingsAsEnvironment() {
        assertEquals(java.util.Set.of("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX"),
                NativeAllocator.environment().keySet());
    }
}
