const Sequencer = require("@jest/test-sequencer").default;

/**
 * Jest's order (tests that failed last time first, then the longest by the last run's timings, then the
 * largest file), except that the integration project comes first and, in it, the GlusterFS scenario: it
 * takes about 170 s of the suite's 3-4 minutes on 2 cores, so it must hold one worker from the start while
 * the other works through the unit tests. Without this, a machine with no timings yet (every CI runner)
 * would order by file size and start the small gluster.test.ts near the end, adding minutes to the run.
 */
class IntegrationFirst extends Sequencer {
    sort(tests) {
        const rank = (test) => {
            if (test.context.config.displayName?.name !== "integration") return 2;
            return test.path.endsWith("/gluster.test.ts") ? 0 : 1;
        };
        // Array.prototype.sort is stable: within a rank, jest's order stays.
        return super.sort(tests).sort((a, b) => rank(a) - rank(b));
    }
}

module.exports = IntegrationFirst;
