"""The app for AppTest: the same shell as app.py, with the pages registered by absolute path.

AppTest treats an entry script that has a pages/ folder beside it as a v1 multipage app on
every run, so after the first page switch it runs the page alone, without the entry script.
This script sits in tests/ (no pages/ folder) and hands lib.web.shell the checkout's root, so every
AppTest run goes through the login gate and the role-based navigation like a browser does.
"""

from lib.web import shell
from tests.paths import ROOT

shell.run(page_root=ROOT, demo=False)
