package io.flashrig.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory and CPU time of a process, read from Linux's /proc. */
final class ProcStat {

    /** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
    private static final double TICKS = 100.0;

    private ProcStat() {
    }

    /**
     * CPU used so far, in seconds, by a server process, by every PostgreSQL process and by this bench, with the whole
     * machine's ticks: taken before and after a round, the differences say where its CPU went.
     */
    record Sample(double server, double postgres, double bench, long machineBusy, long machineTotal) {

        static Sample now(long serverPid) {
            long[] machine = machineTicks();
            return new Sample(serverPid < 0 ? Double.NaN : cpuSeconds(serverPid), postgresCpuSeconds(),
                    cpuSeconds(ProcessHandle.current().pid()), machine[0], machine[1]);
        }

        /** The machine's busy share (0-1) between {@code earlier} and this sample; NaN when no tick passed. */
        double machineBusySince(Sample earlier) {
            return machineTotal == earlier.machineTotal ? Double.NaN
                    : (double) (machineBusy - earlier.machineBusy) / (machineTotal - earlier.machineTotal);
        }
    }

    /** VmRSS in MiB. */
    static double rssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            // gone
        }
        return Double.NaN;
    }

    /**
     * utime + stime + cutime + cstime in seconds: the process and the children it waited for (e.g. the agent and the
     * programmer runs it started and that ended).
     */
    static double cpuSecondsWithChildren(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // utime, stime, cutime, cstime are fields 14-17 (1-based) -> indexes 11-14 here.
            return (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14])) / TICKS;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The whole machine's CPU time since boot, in ticks: {busy, total} (busy = total - idle - iowait). */
    static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            // cpu user nice system idle iowait irq softirq steal (guest times are already in user and nice)
            for (int i = 1; i <= 8 && i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /**
     * CPU seconds used so far by every PostgreSQL process on the machine: the postmaster, its live backends, and the
     * backends that ended (the postmaster waits for them, so their time is in its children's). A round's connections
     * close when it ends, and their work must still count.
     */
    static double postgresCpuSeconds() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
                .mapToDouble(p -> cpuSecondsWithChildren(p.pid())).filter(s -> !Double.isNaN(s)).sum();
    }

    /** utime + stime in seconds of the process's JIT compiler threads (HotSpot's "C1/C2 CompilerThread"). */
    static double compilerCpuSeconds(long pid) {
        double sum = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(task.resolve("comm")).contains("CompilerThre")) {
                        String stat = Files.readString(task.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        sum += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
                    }
                } catch (IOException | RuntimeException e) {
                    // a thread that ended
                }
            }
        } catch (IOException e) {
            return Double.NaN;
        }
        return sum;
    }

    /** utime + stime in seconds. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After the command: state is field 3, utime 14 and stime 15 (1-based) -> indexes 11 and 12 here.
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
