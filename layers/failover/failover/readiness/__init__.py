"""Plan evaluation: does the account still match the plan, and can a failover use it now?

``evaluate.evaluate_plan`` runs every check and returns an ``Evaluation`` of ``Finding``s, one per
problem, each with a kind (``findings.KINDS``). The CLI (``failoverctl plan evaluate``) and the
scheduled evaluate function share it; ``publish`` is what the function does with the result
(last findings in the table, a notification when they change, a metric and an alarm per group).
"""
