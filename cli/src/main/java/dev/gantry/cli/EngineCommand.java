package dev.gantry.cli;

import ai.djl.engine.Engine;
import dev.gantry.runtime.EngineSetup;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "engine", mixinStandardHelpOptions = true,
        description = {"Load the deep learning engine and print what it is: engine, version, default device.",
                "Image builds run it once so that DJL provisions its native library at build time."})
final class EngineCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        EngineSetup.configure(null);
        Engine engine = Engine.getInstance();
        System.out.printf("%s %s, default device %s, %d GPU(s)%n", engine.getEngineName(), engine.getVersion(),
                engine.defaultDevice(), engine.getGpuCount());
        return 0;
    }
}
