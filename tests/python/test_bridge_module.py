#!/usr/bin/python3
"""Static checks of the Slicer module that Slicer itself would only catch at run time (Slicer is not installable here):
every widget SlicerReg.py uses exists in the .ui, every widget bound by SlicerParameterName is a parameter-node field
(and every field has a widget), the extension's CMake lists every SlicerRegLib file (Slicer installs only listed ones),
requirements.txt names what the first-use install checks, and importing SlicerRegLib imports no grpc (dependencies are
installed on first use, never needed at import)."""
import ast
import os
import re
import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET

import bridge_support as bs

MODULE = os.path.join(bs.BRIDGE, "SlicerReg.py")
UI = os.path.join(bs.BRIDGE, "Resources", "UI", "SlicerReg.ui")


class BridgeModuleTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(MODULE) as f:
            cls.tree = ast.parse(f.read())
        cls.ui = ET.parse(UI).getroot()
        cls.widgets = {w.get("name"): w.get("class") for w in cls.ui.iter("widget")}

    def parameter_fields(self):
        cls = next(n for n in ast.walk(self.tree) if isinstance(n, ast.ClassDef) and n.name == "SlicerRegParameterNode")
        self.assertIn("parameterNodeWrapper", [d.id for d in cls.decorator_list if isinstance(d, ast.Name)])
        return {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign)}

    def test_widgets_used_by_the_module_exist_in_the_ui(self):
        used = {n.attr for n in ast.walk(self.tree)
                if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Attribute) and n.value.attr == "ui"}
        self.assertTrue(used)
        self.assertEqual(sorted(used - set(self.widgets)), [])

    def test_ui_bindings_match_the_parameter_node(self):
        bound = {}
        for w in self.ui.iter("widget"):
            for p in w.findall("property"):
                if p.get("name") == "SlicerParameterName":
                    bound[p.find("string").text] = w.get("name")
        fields = self.parameter_fields()
        self.assertEqual(sorted(set(bound) - fields), [], "bound to no parameter")
        self.assertEqual(sorted(fields - set(bound)), ["model"], "parameters without a widget")
        # The model box is filled from the daemon, so the widget code syncs it (the wrapper binds a QComboBox only to a
        # fixed Choice): an editable QComboBox, unbound, whose changes the module writes to the parameter.
        self.assertEqual(self.widgets["model"], "QComboBox")
        with open(MODULE) as f:
            source = f.read()
        self.assertIn('self.ui.model.connect("currentTextChanged(QString)", self.onModelChosen)', source)
        self.assertIn("self._parameterNode.model = text.strip()", source)
        self.assertEqual(self.widgets[bound["apVolume"]], "qMRMLNodeComboBox")
        self.assertEqual(self.widgets[bound["apGeometry"]], "QComboBox")

    def test_the_placeholder_is_never_the_default_model(self):
        cls = next(n for n in ast.walk(self.tree) if isinstance(n, ast.ClassDef) and n.name == "SlicerRegParameterNode")
        default = next(n.value.value for n in cls.body if isinstance(n, ast.AnnAssign) and n.target.id == "model")
        self.assertEqual(default, "", "empty: the daemon's best trained model")
        import inspect
        from SlicerRegLib.client import RegistrationClient
        from SlicerRegLib.task import RegistrationTask
        for f in (RegistrationClient.submit, RegistrationClient.register, RegistrationTask.__init__):
            self.assertIsNone(inspect.signature(f).parameters["model"].default, f.__qualname__)

    def test_cmake_lists_every_python_file(self):
        with open(os.path.join(bs.BRIDGE, "CMakeLists.txt")) as f:
            listed = set(re.findall(r"SlicerRegLib/\w+\.py", f.read()))
        present = {f"SlicerRegLib/{n}" for n in os.listdir(os.path.join(bs.BRIDGE, "SlicerRegLib")) if n.endswith(".py")}
        self.assertEqual(listed, present)

    def test_requirements_name_what_first_use_installs(self):
        with open(os.path.join(bs.BRIDGE, "Resources", "requirements.txt")) as f:
            wanted = {l.strip() for l in f if l.strip() and not l.startswith("#")}
        self.assertEqual(wanted, {"grpcio", "grpcio-tools", "protobuf"})
        self.assertFalse(any("=" in w for w in wanted), "no pins")
        code = ("import sys, SlicerRegLib, SlicerRegLib.views, SlicerRegLib.dicom, SlicerRegLib.scene; "
                "print(SlicerRegLib.missing_dependencies()); print('grpc' in sys.modules)")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                              env=dict(os.environ, PYTHONPATH=bs.BRIDGE))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.split("\n")[:2], ["[]", "False"])


if __name__ == "__main__":
    unittest.main()
