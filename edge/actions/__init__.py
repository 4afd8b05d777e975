"""Actions: what a skill decided to do, carried out on something real.

    skill ─► Action (typed, with an idempotency key) ─► ActionExecutor ─► backend
          ◄─ ActionResult (what really happened; the spoken reply says it) ◄─┘
                 every step appended to the AuditLog (SQLite, hash-chained)

Skills decide and speak; backends act (the home's MQTT broker, ...); the executor runs each
action off the event loop under a deadline, exactly once per key.
"""
