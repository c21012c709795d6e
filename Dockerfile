# Prism: one self-contained `prism` binary (deno compile) on a small base.
#
#   docker build -t prism .
#   docker run --rm -p 8980:8980 prism                 # namespace "default" on memstore
#   docker run --rm -p 8980:8980 -v $PWD/prism.yaml:/etc/prism.yaml prism proxy --config /etc/prism.yaml
#
# The build stage needs the network (npm packages, and the denort runtime
# that `deno compile` downloads).

FROM denoland/deno:debian-2.9.3 AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY proto ./proto
COPY proxy ./proxy
COPY plugins ./plugins
COPY wasm ./wasm
COPY tasks ./tasks
COPY prism.ts ./
RUN deno task build:wasm && deno task compile --output /out/prism

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/prism /usr/local/bin/prism
EXPOSE 8980
USER nonroot
ENTRYPOINT ["/usr/local/bin/prism"]
CMD ["proxy"]
