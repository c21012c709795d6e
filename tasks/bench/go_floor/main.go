// An empty gRPC server in Go: every method of every service answers an empty
// message. The bench drives it with the same ghz as the proxy: what any server
// reaches on this machine with this client (the floor of the tail).
package main

import (
	"fmt"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
)

type raw []byte

type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*raw)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*raw)) = append((*(v.(*raw)))[:0], data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

func main() {
	encoding.RegisterCodec(rawCodec{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(lis.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	s := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		var in raw
		if err := stream.RecvMsg(&in); err != nil {
			return err
		}
		out := raw{}
		return stream.SendMsg(&out)
	}))
	_ = s.Serve(lis)
}
