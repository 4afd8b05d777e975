"""The `tandem` command, and what runs the edge and the cloud together on one machine.

cli puts the edge's commands and the cloud's under one root, each where its side is
installed; fleet_sim, fleet_bench and fleet_testing run real device agents against
the cloud's fleet service (the fleet simulator, `tandem bench fleet`, the tests'
fleet harness). Only this package imports both `edge` and `cloud`.
"""
