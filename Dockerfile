FROM python:3.11-slim
# Pango for the PDF reports (WeasyPrint), and a font to draw them with.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
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
