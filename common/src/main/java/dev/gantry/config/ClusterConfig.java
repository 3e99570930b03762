package dev.gantry.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Where the cluster is. One precedence everywhere: a command-line flag, then the environment
 * (GANTRY_KAFKA_BOOTSTRAP, GANTRY_STORE), then the config file (--config, $GANTRY_CONFIG or
 * ~/.config/gantry/gantry.properties, keys {@code bootstrap} and {@code store}), then the default.
 */
public final class ClusterConfig {
    public static final Set<String> KEYS = Set.of("bootstrap", "store");
    private final Properties file;
    private final Path source;
    private final Map<String, String> env;

    private ClusterConfig(Properties file, Path source, Map<String, String> env) {
        this.file = file;
        this.source = source;
        this.env = env;
    }

    public static ClusterConfig load(Path explicit, Map<String, String> env) {
        Path path = explicit != null ? explicit
                : env.containsKey("GANTRY_CONFIG") ? Path.of(env.get("GANTRY_CONFIG"))
                : Path.of(System.getProperty("user.home"), ".config", "gantry", "gantry.properties");
        Properties p = new Properties();
        if (Files.isRegularFile(path)) {
            try (Reader r = Files.newBufferedReader(path)) {
                p.load(r);
            } catch (IOException e) {
                throw new IllegalArgumentException(path + ": cannot read the config file: " + e.getMessage());
            }
            for (String key : p.stringPropertyNames()) {
                if (!KEYS.contains(key)) {
                    throw new IllegalArgumentException(path + ": unknown key '" + key + "'; expected one of " + KEYS);
                }
            }
        } else if (explicit != null) {
            throw new IllegalArgumentException("--config " + explicit + ": no such file");
        }
        return new ClusterConfig(p, path, env);
    }

    public String bootstrap(String flag) {
        return pick(flag, "GANTRY_KAFKA_BOOTSTRAP", "bootstrap", "localhost:9092");
    }

    public String store(String flag) {
        return pick(flag, "GANTRY_STORE", "store", null);
    }

    public Path source() {
        return source;
    }

    private String pick(String flag, String envName, String key, String fallback) {
        if (flag != null) {
            return flag;
        }
        if (env.get(envName) != null) {
            return env.get(envName);
        }
        return file.getProperty(key, fallback);
    }
}
