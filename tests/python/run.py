#!/usr/bin/python3
"""Runs tests/python/test_*.py with Debian's python3 and prints a last line "python tests: N passed, M failed" for tests/run."""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py", top_level_dir=here)
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
skipped = len(result.skipped)
passed = max(0, result.testsRun - failed - skipped)
print(f"python tests: {passed} passed, {failed + skipped} failed")  # a skipped test (daemon not built) counts as a failure
sys.exit(0 if failed + skipped == 0 else 1)
