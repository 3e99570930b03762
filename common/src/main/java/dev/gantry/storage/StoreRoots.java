package dev.gantry.storage;

import dev.gantry.failure.PermanentException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The store roots a process serves: "s3://bucket/prefix/" or absolute directories. Every storage
 * URI that arrives in a message (a checkpoint prefix, a start checkpoint, statistics, a data set
 * in a spec) must lie inside one of them, or it is refused, never read, written or deleted:
 * anyone who can write to a topic can forge a message, but not widen what a worker touches.
 */
public final class StoreRoots {
    /** A URI from a message that lies outside every configured root. */
    public static final class OutsideRootsException extends PermanentException {
        OutsideRootsException(String message) {
            super(message);
        }
    }

    private final List<String> roots;

    private StoreRoots(List<String> roots) {
        this.roots = List.copyOf(roots);
    }

    /** @param roots at least one; each normalised (S3 prefixes and directories end with '/') */
    public static StoreRoots of(List<String> roots) {
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("no store roots: give --store-root (or GANTRY_STORE) with the "
                    + "s3://bucket/prefix/ or directory this process may read and write");
        }
        List<String> normalised = new ArrayList<>();
        for (String r : roots) {
            String n = normalise(r);
            if (n == null) {
                throw new IllegalArgumentException("store root '" + r + "': not an s3://bucket/prefix/ URI or an "
                        + "absolute directory without '.' or '..' segments");
            }
            normalised.add(n);
        }
        return new StoreRoots(normalised);
    }

    public List<String> roots() {
        return roots;
    }

    /**
     * {@code uri} if it lies inside a root; else a permanent failure that names the message field,
     * so the task is parked with a reason that says what was refused.
     */
    public String require(String uri, String field) {
        String n = normalise(uri);
        if (n != null) {
            for (String root : roots) {
                if (n.startsWith(root)) {
                    return uri;
                }
            }
        }
        throw new OutsideRootsException(field + ": '" + uri + "' is outside this process's store roots " + roots
                + "; refused");
    }

    /**
     * "s3://bucket/a/b" -> "s3://bucket/a/b/"; "/data/x" -> "/data/x/"; null when the text has
     * "." or ".." segments, empty segments, or is a relative path: such a URI could name a place
     * other than it seems to.
     */
    static String normalise(String uri) {
        if (uri == null || uri.isBlank() || uri.indexOf('\0') >= 0 || uri.contains("\\")) {
            return null;
        }
        String body;
        String scheme;
        if (uri.startsWith("s3://")) {
            scheme = "s3://";
            body = uri.substring(5);
            try {
                StoreUri.parse(uri);
            } catch (StorageException e) {
                return null;
            }
        } else if (uri.contains("://")) {
            return null;
        } else {
            if (!Path.of(uri).isAbsolute()) {
                return null;
            }
            scheme = "/";
            body = uri.substring(1);
        }
        String trimmed = body.endsWith("/") ? body.substring(0, body.length() - 1) : body;
        if (trimmed.isEmpty()) {
            return scheme.equals("/") ? "/" : null;
        }
        for (String segment : trimmed.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return null;
            }
        }
        return scheme + trimmed + "/";
    }
}
