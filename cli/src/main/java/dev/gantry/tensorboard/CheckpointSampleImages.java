package dev.gantry.tensorboard;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.sampling.SampleGrid;
import dev.gantry.spec.GeneratorChoice;
import dev.gantry.storage.Stores;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.training.TrainingState;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * Sample grids rendered from checkpoints in the store: 8 samples of every class, the same noise
 * at every step (so the grids of one run compare cell by cell), from the generator the trial's
 * evaluations use.
 */
public final class CheckpointSampleImages implements SampleImages {
    private static final int PER_CLASS = 8;
    private static final long SAMPLE_SEED = 0;
    private static final int SCALE = 2;

    private final Stores stores;

    public CheckpointSampleImages(Stores stores) {
        this.stores = stores;
    }

    @Override
    public Optional<Png> render(TrialState trial, CheckpointRef checkpoint) {
        String uri = checkpoint.getUri();
        try (NDManager manager = NDManager.newBaseManager()) {
            Stores.Location at = stores.locate(uri);
            CheckpointStore store = new CheckpointStore(at.store());
            if (!store.exists(at.keyPrefix())) {
                return Optional.empty();
            }
            try (TrainingState state = CheckpointCodec.decode(store.read(at.keyPrefix()), manager, uri)) {
                GeneratorChoice generator = GeneratorChoice.bySpecName(trial.getSettings().getEvalPolicy().getGenerator())
                        .filter(g -> g == GeneratorChoice.RAW || state.model().hasEmaGenerator())
                        .orElse(GeneratorChoice.RAW);
                BufferedImage grid = SampleGrid.of(state, generator, PER_CLASS, SAMPLE_SEED, false, SCALE);
                ByteArrayOutputStream png = new ByteArrayOutputStream();
                if (!ImageIO.write(grid, "png", png)) {
                    throw new IOException("no PNG writer available");
                }
                return Optional.of(new Png(png.toByteArray(), grid.getWidth(), grid.getHeight()));
            }
        } catch (RuntimeException | IOException e) {
            System.err.println("tensorboard: no samples of " + uri + ": " + e.getMessage());
            return Optional.empty();
        }
    }
}
