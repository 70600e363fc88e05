"""Dagster batch jobs (document recognition, duty reconciliation, compliance reports).

None is defined yet: the issues that bring them come after the spine. Jobs read read models and
write back only by producing commands to Kafka.
"""
