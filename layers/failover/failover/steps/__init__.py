"""The pipeline's steps, one module (or package) per function.

trigger, validate, execute, verify, finalize, notify and approve.
"""
