package io.sgagent.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything one benchmark run measured; NaN / null where a step did not run. */
final class Results {
    // machine and run
    final Map<String, String> machine = new LinkedHashMap<>();
    String command = "";
    String date = "";
    double totalSeconds = Double.NaN;
    int vms;
    int rulesPerVm;
    final List<String> notes = new ArrayList<>();

    // 1. cold programming
    double coldFullPutMs = Double.NaN;       // the median of coldFullPutSamplesMs
    final List<Double> coldFullPutSamplesMs = new ArrayList<>(); // one per freshly started agent, empty namespace
    double coldHvPutMs = Double.NaN;         // the hypervisor agent's sample, whose log gives the phases
    double coldFullPutApplySeconds = Double.NaN;
    double coldFullPutRestoreLines = Double.NaN;
    double hostPutNoopMs = Double.NaN;        // the same host state again: no store, no kernel write
    double hostPutStoreOnlyMs = Double.NaN;   // every VM with a new seq: all state files, no kernel change
    double coldPutsMs = Double.NaN;
    int coldPutsConcurrency;
    double coldPutsApplies = Double.NaN;
    Stats coldPutsLatency;
    int coldPutsNon200 = -1;
    Boolean sameRulesetBothPaths;
    long ruleLinesV4;
    long ruleLinesV6;
    long setMembers;
    long bridgeRuleLines;
    long hostBodyBytes;
    Stats floorIpMs;          // iptables-restore + ip6tables-restore
    Stats floorAllMs;         // + ipset restore + ebtables-nft-restore
    double perRuleEmptyMs = Double.NaN;   // per rule, empty table
    int perRuleEmptyCount;
    double perRuleFullMs = Double.NaN;    // per rule, table already holding the whole ruleset
    int perRuleFullCount;
    double perRuleExtrapolatedS = Double.NaN;

    int portsCreated;
    double portsSeconds = Double.NaN;
    long linkLocalAddresses = -1;
    double coldFullPutApplies = Double.NaN;

    // 2. one-VM update
    Stats updateMs;
    int updateNon200 = -1;
    double updateRestoreLinesPerUpdate = Double.NaN;
    long predictedDiffLines;
    double updateApplyMsMean = Double.NaN;
    Stats floorDiffMs;
    double floorDiffEmptyTableMs = Double.NaN;
    Stats updateUnderPressureMs;
    Stats floorUnderPressureMs;
    double driftChecksDuringUpdates = Double.NaN;

    // drift check hold time
    double driftSaveMs = Double.NaN;
    double driftWindowSeconds = Double.NaN;
    Stats driftWindowPuts;
    double driftPutExcessMs = Double.NaN;
    boolean driftMetricsPresent;
    double lockWaitMeanMs = Double.NaN;
    double lockWaitMaxMs = Double.NaN;
    double driftChecks = Double.NaN;
    double driftCheckMeanMs = Double.NaN;
    double driftCheckMaxMs = Double.NaN;
    long pressureEntries;
    /** The cold PUT's transaction, from the agent's DEBUG line: compile, store, kernel (NaN if not logged). */
    double coldCompileMs = Double.NaN;
    double coldStoreMs = Double.NaN;
    double coldKernelMs = Double.NaN;
    /** How long the cold PUT waited for the store after the compile (they run side by side); NaN if not logged. */
    double coldStoreWaitMs = Double.NaN;
    /** A full sync removing every VM with the table pre-filled again (the address flush of B7). */
    double clearAllMs = Double.NaN;
    /** A full sync narrowing every VM, same table: B6 judged from one listing for all. */
    double narrowAllMs = Double.NaN;
    long clearAllEntries;

    // 3. burst
    int burstSize;
    double burstTransactions = Double.NaN;
    Stats burstMs;
    int burstOk = -1;
    double burstWallMs = Double.NaN;
    Stats burstBatches;
    int burstBatchedWrites;

    // 4. first packet (connect() round trip, microseconds)
    final Map<String, Stats> firstPacketBaseline = new LinkedHashMap<>();
    final Map<String, Stats> firstPacket = new LinkedHashMap<>();
    final Map<String, Integer> firstPacketFailures = new LinkedHashMap<>();
    /** "VM #i (dev)" -> {rules to reach it towards the VM, from the VM, position in a linear list, i}. */
    final Map<String, int[]> dispatch = new LinkedHashMap<>();

    // 5. conntrack
    int flows;
    long entriesUntracked = -1;
    long entriesTracked = -1;
    double rateUntrackedEmpty = Double.NaN;
    double rateTrackedEmpty = Double.NaN;
    double rateUntrackedFull = Double.NaN;
    double rateTrackedFull = Double.NaN;
    long prefillEntries = -1;
    double prefillSeconds = Double.NaN;
    long conntrackMax = -1;
    int floodFailures;

    // 6. RSS and startup
    double rssAfterBurstMb = Double.NaN;
    double peakRssMb = Double.NaN;
    double heapCommittedMb = Double.NaN;
    double heapUsedMb = Double.NaN;
    double heapLiveMb = Double.NaN;
    double rssAfterRunMb = Double.NaN;
    double heapLiveAfterRunMb = Double.NaN;
    double heapCommittedAfterRunMb = Double.NaN;
    final List<String[]> histogram = new ArrayList<>(); // class, instances, bytes
    double restartMs = Double.NaN;
    double restartRssMb = Double.NaN;
    /** phase -> seconds since the previous phase, from the restarted agent's log. */
    final Map<String, Double> restartPhases = new LinkedHashMap<>();
    double coldBootMs = Double.NaN;
    double coldBootRssMb = Double.NaN;
    double agentStartEmptyMs = Double.NaN;

    // diagnostics
    final Map<String, double[]> toolsPerUpdate = new LinkedHashMap<>(); // tool -> {calls per update, mean ms}
    double netnsExecMs = Double.NaN;
    double diagUpdateMs = Double.NaN;
    final Map<String, double[]> toolsPerBurst = new LinkedHashMap<>();
    int diagBurstSize;
    double diagBurstMs = Double.NaN;

    // JMH
    final List<String[]> jmh = new ArrayList<>(); // benchmark, score, error, unit
}
