#!/usr/bin/env python3
"""Sums the TRX files of a test run, lists failures and skips (with their reasons), and prints
the one line CI reads: `tests: N passed, N failed, N skipped`."""
import glob
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def main(results_dir: str, expected_projects: int) -> int:
    passed = failed = skipped = 0
    files = sorted(glob.glob(f"{results_dir}/**/*.trx", recursive=True))
    skipped_lines, failed_lines = [], []
    for path in files:
        root = ET.parse(path).getroot()
        for r in root.iterfind(".//t:UnitTestResult", NS):
            outcome = r.get("outcome")
            name = r.get("testName")
            if outcome == "Passed":
                passed += 1
            elif outcome == "NotExecuted":
                skipped += 1
                msg = r.find(".//t:Output/t:ErrorInfo/t:Message", NS)
                reason = msg.text.strip() if msg is not None and msg.text else "(no reason given)"
                skipped_lines.append(f"  skipped: {name}: {reason}")
            else:
                failed += 1
                msg = r.find(".//t:Output/t:ErrorInfo/t:Message", NS)
                failed_lines.append(f"  FAILED: {name}: {(msg.text or '').strip()[:400] if msg is not None else ''}")
    missing = max(0, expected_projects - len(files))
    for line in failed_lines:
        print(line)
    for line in skipped_lines:
        print(line)
    if missing:
        # A test project that crashed or never ran writes no TRX: count it as a failure.
        print(f"  FAILED: {missing} test project(s) produced no results (crashed or did not run)")
        failed += missing
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0))
