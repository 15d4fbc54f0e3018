FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config config
COPY escucha escucha
COPY workers workers
COPY tasks tasks
# A regular install, as users get it: the shipped analysis model comes in as package data.
RUN pip install --no-cache-dir . flower
ENV ESCUCHA_DATA_DIR=/data ESCUCHA_MODELS_DIR=/data/models
VOLUME /data
