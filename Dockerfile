# sohoa worker image: Debian + Tesseract with the Vietnamese model + the project, running a Prefect
# process worker on the "sohoa" pool. Everything OCR needs is installed here from Debian packages;
# nothing is downloaded when a container starts or a flow runs.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    PREFECT_LOGGING_EXTRA_LOGGERS=pipeline \
    OMP_THREAD_LIMIT=1

# tesseract-ocr-vie: the Vietnamese model; -osd: page orientation; fonts: sample/synthetic pages.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd fonts-noto-core fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && tesseract --list-langs | grep -qx vie

WORKDIR /app
# Pinned dependencies first (cached layer), then the code.
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md prefect.yaml ./
COPY pipeline ./pipeline
COPY flows ./flows
COPY schemas ./schemas
RUN pip install --no-deps . && python -c "import pipeline, flows, schemas"

RUN useradd --create-home --uid 10001 sohoa \
 && mkdir -p /data/inbox /data/work \
 && chown -R sohoa /data
USER sohoa
ENV SOHOA_INBOX=/data/inbox \
    SOHOA_WORK_DIR=/data/work \
    PREFECT_HOME=/home/sohoa/.prefect

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4)"

CMD ["prefect", "worker", "start", "--pool", "sohoa", "--type", "process", "--with-healthcheck"]
