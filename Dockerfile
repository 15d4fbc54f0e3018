FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config config
COPY escucha escucha
COPY workers workers
COPY tasks tasks
RUN pip install --no-cache-dir -e . flower
VOLUME /data
