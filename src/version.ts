/** The tool's version, reported in the JSON report. A unit test keeps it equal to package.json. */
export const VERSION = '0.1.0';
