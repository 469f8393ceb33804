"""Plan tools the command line runs before deploy.

The RTO estimate, the static-stability lint and the template parameters.
"""
