package dev.gantry.worker;

import dev.gantry.data.Datasets;
import dev.gantry.data.LabeledImages;
import dev.gantry.spec.ExperimentSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Data sets in memory, the two most recently used (a worker that trains many kinds of trials
 * stays bounded), each loaded once on a background thread: a segment asks for its data set first
 * and reads and decodes its start checkpoint while the data set loads. A load that failed is
 * started again by the next task that asks for it.
 */
final class DatasetCache {
    private final Path downloadDir;
    private final Executor loader;
    private final Map<String, CompletableFuture<LabeledImages>> loaded = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<LabeledImages>> eldest) {
            return size() > 2;
        }
    };

    /** @param downloadDir where Fashion-MNIST may be downloaded when it is not installed */
    DatasetCache(Path downloadDir, Executor loader) {
        this.downloadDir = downloadDir;
        this.loader = loader;
    }

    /** The spec's data set at its model's image size: ready, or loading in the background. */
    synchronized CompletableFuture<LabeledImages> load(ExperimentSpec spec) {
        String key = spec.dataset() + "@" + spec.model().imageSize();
        CompletableFuture<LabeledImages> data = loaded.get(key);
        if (data == null || data.isCompletedExceptionally()) {
            data = CompletableFuture.supplyAsync(() -> Datasets.open(spec.dataset(), spec.model().imageSize(), downloadDir),
                    loader);
            loaded.put(key, data);
        }
        return data;
    }
}
