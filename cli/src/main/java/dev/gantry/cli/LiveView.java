package dev.gantry.cli;

import dev.gantry.client.ClusterView;
import dev.gantry.proto.v1.TrialState;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A live view of one experiment: a progress bar, speed, ETA and latest FID per trial, redrawn
 * in place on a terminal and printed only when something changes otherwise (logs, CI).
 */
final class LiveView {
    private static final int BAR = 24;
    private final ClusterView view;
    private final String experimentId;
    private final PrintStream out;
    private final boolean terminal;
    private int drawnLines;
    private String lastFrame = "";

    LiveView(ClusterView view, String experimentId, PrintStream out) {
        this.view = view;
        this.experimentId = experimentId;
        this.out = out;
        this.terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    /** Follows the experiment until every trial is finished (or {@code timeout}); returns the final states. */
    List<TrialState> follow(Duration timeout, Runnable healthCheck) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextDraw = 0;
        while (System.nanoTime() < deadline) {
            view.poll(Duration.ofMillis(500));
            healthCheck.run();
            List<TrialState> trials = view.experiment(experimentId);
            boolean finished = !trials.isEmpty() && trials.stream().allMatch(ClusterView::finished);
            if (finished || System.nanoTime() >= nextDraw) {
                draw(trials);
                // a terminal redraws in place; logs get a frame every 15 s
                nextDraw = System.nanoTime() + Duration.ofSeconds(terminal ? 2 : 15).toNanos();
            }
            if (finished) {
                return trials;
            }
        }
        return view.experiment(experimentId);
    }

    void draw(List<TrialState> trials) {
        List<String> lines = new ArrayList<>();
        for (TrialState t : trials) {
            lines.add(line(t));
        }
        if (trials.isEmpty()) {
            lines.add("waiting for the coordinator to accept " + experimentId + " ...");
        }
        String frame = String.join("\n", lines);
        if (terminal) {
            if (drawnLines > 0) {
                out.print("\033[" + drawnLines + "A");
            }
            for (String l : lines) {
                out.print("\r\033[2K" + l + "\n");
            }
            drawnLines = lines.size();
        } else if (!frame.equals(lastFrame)) {
            out.println(frame);
        }
        lastFrame = frame;
        out.flush();
    }

    private String line(TrialState t) {
        ClusterView.Live live = view.live(t);
        long step = live.step();
        double speed = live.stepsPerSecond();
        String worker = live.workerId();
        long total = Math.max(1, t.getTotalSteps());
        int filled = (int) Math.min(BAR, BAR * step / total);
        String bar = "[" + "=".repeat(filled) + (filled < BAR ? ">" : "") + " ".repeat(Math.max(0, BAR - filled - 1)) + "]";
        String eta = speed > 0 && !ClusterView.finished(t) ? "ETA " + duration((total - step) / speed) : "";
        String fid = Double.isNaN(t.getLatestFid()) ? "" : String.format(Locale.ROOT, "%s %.2f (intra %.2f) @%d",
                t.getMetricName(), t.getLatestFid(), t.getLatestIntraFid(), t.getLatestFidStep());
        return String.format(Locale.ROOT, "%-5s %-10s %s %6d/%-6d %5.2f st/s %-10s %-9s %s",
                t.getTrial().getTrialId().replaceAll(".*-(t\\d+)$", "$1"), t.getPhase().name().toLowerCase(Locale.ROOT),
                bar, step, total, speed, eta, worker.isEmpty() ? "-" : worker, fid);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
