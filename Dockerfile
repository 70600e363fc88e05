# The platform's processes (streams, sinks, api): one image, the command picks the process.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml ./
COPY wellwon wellwon
COPY streams streams
COPY sinks sinks
COPY notifications notifications
COPY api api
COPY pipelines pipelines
COPY dashboards dashboards
COPY stack stack
COPY benchmarks benchmarks
COPY schemas_avro schemas_avro
RUN pip install --no-cache-dir .
ENV PYTHONUNBUFFERED=1
CMD ["python", "-m", "api.serve"]
