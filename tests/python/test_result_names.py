#!/usr/bin/python3
"""One vocabulary of result names: the bridge's table (SlicerRegLib/names.py) against the C# one
(backend/SlicerReg.Core/Registration/ResultNames.cs, which the daemon, the files and the C# client use), read as text."""
import os
import re
import unittest

import bridge_support as bs
from SlicerRegLib import names, results

CSHARP = os.path.join(bs.ROOT, "backend", "SlicerReg.Core", "Registration", "ResultNames.cs")


def csharp_text():
    with open(CSHARP, encoding="utf-8") as f:
        return f.read()


def csharp_names():
    """{C# constant name: value} of every `const string` in ResultNames.cs (one declaration may carry several)."""
    text = csharp_text()
    found = {}
    for declaration in re.findall(r"public const string ([^;]+);", text):
        for name, value in re.findall(r'(\w+)\s*=\s*"([^"]*)"', declaration):
            found[name] = value
    return found


def snake(pascal):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", pascal).upper()


class ResultNamesTest(unittest.TestCase):
    def test_the_bridge_table_is_the_csharp_table(self):
        cs = csharp_names()
        self.assertEqual(len(cs), 5, f"expected the five result names in {CSHARP}, found {cs}")
        python = {k: v for k, v in vars(names).items() if k.isupper() and isinstance(v, str)}
        self.assertEqual({snake(k): v for k, v in cs.items()}, python)
        self.assertEqual(sorted(names.ALL), sorted(cs.values()))

    def test_the_csharp_order_of_all_is_the_bridge_order(self):
        listed = re.search(r"All \{ get; \} = new\[\] \{([^}]*)\}", csharp_text()).group(1)
        cs = csharp_names()
        self.assertEqual(tuple(cs[n.strip()] for n in listed.split(",")), names.ALL)

    def test_the_node_roles_use_the_table(self):
        self.assertEqual(set(results.OVERLAY_RESULTS.values()), {names.OVERLAY_AP, names.OVERLAY_LATERAL})
        self.assertEqual(set(results._VOLUMES), {names.WARPED_ATLAS, names.WARPED_LABELS})


if __name__ == "__main__":
    unittest.main()
