FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin threadkeeper
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY config ./config
RUN pip install . && rm -rf /app/bot /app/config

USER threadkeeper
WORKDIR /home/threadkeeper
ENTRYPOINT ["threadkeeper"]
CMD ["--help"]
