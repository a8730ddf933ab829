"""The sandbox's own small Django project, and what learner code may import from it.

Learner code imports `lab.models` (the exercise data) and `lab.upstreams` (the simulated
upstream services); the rest runs the sandbox. None of it is imported by the site itself.
"""
