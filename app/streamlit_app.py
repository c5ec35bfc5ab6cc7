"""The cxsim app: the planner (people or ads?) and the calibration page.

Serve it with ``make app`` (http://127.0.0.1:8501). Each page is a script of its
own (``planner_page.py``, ``calibrate_page.py``); this one only names them.
"""

import streamlit as st

st.navigation([
    st.Page("planner_page.py", title="Planner", icon=":material/balance:", url_path="planner", default=True),
    st.Page("calibrate_page.py", title="Calibrate", icon=":material/tune:", url_path="calibrate"),
]).run()
