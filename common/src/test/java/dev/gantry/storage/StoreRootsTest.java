package dev.gantry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StoreRootsTest {
    private final StoreRoots roots = StoreRoots.of(List.of("s3://gantry/prod", "/srv/gantry/store"));

    @Test
    void urisInsideARootPass() {
        for (String ok : List.of("s3://gantry/prod/experiments/e/t/step-00000100/", "s3://gantry/prod/stats/",
                "/srv/gantry/store/experiments/e/t/", "s3://gantry/prod/")) {
            assertEquals(ok, roots.require(ok, "checkpoint.uri"));
        }
    }

    @Test
    void urisOutsideOrEscapingAreRefusedNamingTheField() {
        for (String bad : List.of("s3://gantry/", "s3://gantry/production/x/", "s3://other/prod/x/",
                "s3://gantry/prod/../other/", "s3://gantry/prod/./x", "s3://gantry/prod//x", "/srv/gantry/store/../../etc/",
                "/srv/gantry/storex/", "relative/path", "file:///srv/gantry/store/", "/srv/gantry/store\\..\\x", "")) {
            StoreRoots.OutsideRootsException e = assertThrows(StoreRoots.OutsideRootsException.class,
                    () -> roots.require(bad, "start.uri"), bad);
            assertTrue(e.getMessage().startsWith("start.uri: "), e.getMessage());
        }
    }

    @Test
    void rootsThemselvesAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> StoreRoots.of(List.of()));
        assertThrows(IllegalArgumentException.class, () -> StoreRoots.of(List.of("store")));
        assertThrows(IllegalArgumentException.class, () -> StoreRoots.of(List.of("s3://gantry/../x/")));
    }
}
